"""The vocabularies the kind detector (`kinds.py`) reads titles with, kind by kind.

Written from what each kind of work is, not from a list of titles to pass: a bug is
named by its symptom, an incident by its live and wide impact, a security issue by the
attack or the exposure, and the other kinds by the artefact the work produces (tests, a
document, an alert, a screen, moved data). Five tables, each easy to read and extend:

- KEYWORDS: single words, compared by Snowball stem (and, when long, with one typo);
- PHRASES: regular expressions over the lower-case text, which outweigh single words;
- LABELS: the category tag an engineer puts in front ("[Docs]", "Refactor:", "SEV1 -");
- LEAD_VERBS: imperative verbs that say what kind of work it is when they open a title;
- DATA_NOUNS: what a data migration moves (rows, columns, accounts…), as opposed to code.
"""

from __future__ import annotations

from sprintsync.ai.schemas import TaskKind

KEYWORDS: dict[TaskKind, str] = {
    TaskKind.bug: """bug bugs buggy broken break breaks breaking crash crashes crashed
        crashing error errors exception exceptions traceback stacktrace fail fails failed
        failing failure failures regression wrong incorrect incorrectly inaccurate missing
        hang hangs hanging hung freeze freezes freezing frozen stuck leak leaks leaking
        glitch glitches typo typos flicker flickers nan null undefined duplicate duplicated
        duplicates twice doubled truncated corrupt corrupted corrupts garbled mojibake
        unresponsive blank lost lose loses losing accidentally mistakenly unintentionally
        hammer hammers floods spams infinite loop loops timeout timeouts deadlock deadlocks
        overflow oom segfault panic unexpected unexpectedly disappear disappears vanish
        vanishes ignored ignores skip skips skipped overwrites overwritten mismatch
        inconsistent stale unable differ differs 400 401 403 404 404s 409 422 429 429s 500
        500s 502 502s 503 504 5xx 4xx off-by-one 0-byte zero-byte
        npe nullpointerexception typeerror valueerror keyerror attributeerror
        integrityerror misbehaves intermittent intermittently randomly sometimes""",
    TaskKind.incident: """outage outages incident incidents downtime sev0 sev1 sev2 sev3 p0
        postmortem post-mortem hotfix degraded degradation unavailable unreachable failover
        mitigate mitigation firefighting""",
    TaskKind.security: """security insecure vulnerability vulnerabilities vulnerable vuln vulns
        cve xss csrf xsrf ssrf sqli injection rce idor exploit exploitable attacker
        attackers malicious phishing brute-force bruteforce enumeration pentest pen-test
        hardening harden secret secrets credential credentials plaintext unencrypted
        exposed exposure 2fa mfa totp otp httponly csp content-security-policy hsts cors
        clickjacking traversal privilege privileges escalation impersonate impersonation
        unauthorized unauthorised unauthenticated authorization authorisation authz gdpr pii
        encrypt encryption sanitize sanitise sanitization escaping md5 sha1 unsalted hmac
        signature signatures remember-me lockout guessable predictable unescaped unsanitized
        unsanitised advisory advisories two-factor 2-factor""",
    TaskKind.research: """investigate investigation research spike evaluate evaluation explore
        exploration prototype poc compare comparison assess assessment feasibility analyse
        analyze analysis study benchmark experiment rfc alternatives tradeoffs time-box
        timebox timeboxed requirements
        trade-offs viability whether measure vs versus""",
    TaskKind.docs: """document documentation docs doc readme guide guides tutorial changelog
        release-notes runbook runbooks playbook handbook wiki howto how-to adr faq
        docstring docstrings diagram manual explain explanation describe write-up rota
        glossary reference contributing confluence instructions screenshot screenshots
        overview explainer primer cheatsheet cheat-sheet""",
    TaskKind.chore: """upgrade bump refactor refactoring cleanup clean-up tidy rename
        deprecated deprecation lint linting linter formatting dependencies dependency deps
        dependabot chore debt tech-debt unused dead obsolete typing mypy ruff flake8 isort
        pre-commit housekeeping
        setup-py pyproject lockfile lock-file""",
    TaskKind.test: """test tests testing coverage e2e end-to-end qa unittest unittests flaky
        flakes flake flakiness selenium playwright cypress snapshot fixture fixtures mock
        mocks fuzz fuzzing property-based load-test smoke testcase testcases""",
    TaskKind.ops: """deploy deploys deployment deployments redeploy infra infrastructure
        monitoring alert alerts alerting alarm alarms pagerduty opsgenie backup backups
        kubernetes k8s helm docker dockerize dockerfile docker-compose container containers
        terraform ansible ci cd pipeline pipelines jenkins server servers host hosts vm vms
        instance instances ec2 rds dns ssl tls certificate certificates cert certs
        letsencrypt nginx caddy haproxy load-balancer cdn cloudflare scaling autoscaling
        autoscale rollout provision provisioning replica replicas grafana prometheus loki
        datadog log-rotation logrotate cron cronjob staging cluster clusters vpc
        firewall uptime healthcheck health-check vault gzip postgres postgresql mysql redis
        kafka rabbitmq elasticsearch memcached pg_dump retention sentry newrelic honeycomb
        opentelemetry otel jaeger statsd supervisord systemd pm2 aws gcp azure ebs ecs eks
        elasticache restore drill disaster-recovery zero-downtime liveness readiness probe
        probes""",
    TaskKind.ui: """ui ux redesign restyle layout responsive css tailwind sidebar navbar nav
        menu button buttons icon icons tooltip tooltips spinner skeleton modal dialog
        popover dropdown theme theming accessibility accessible a11y wcag aria
        screen-reader contrast keyboard shortcut shortcuts empty-state align alignment
        misaligned colour colours color colors font fonts typography spacing padding margin
        margins tablet retina pixel pixels animation hover logo favicon styling visual
        cluttered clutter mockup figma wireframe badge badges sticky collapsible expandable
        prominent density compact toast toasts banner scrollbar polish picker date-picker
        datepicker""",
    TaskKind.data_migration: """backfill migrate migration convert legacy populate repopulate
        transfer dedupe deduplicate etl""",
    TaskKind.feature: """integration feature endpoint page screen export view feed reminder
        reminders notifications webhook webhooks template templates ability bulk""",
}

# Weighed like three words each. Groups in each tuple read: (…) what it says, then why.
PHRASES: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.incident: (
        r"(?<!no )(?<!zero )(?<!prevent )(?<!avoid )\boutages?\b",
        r"\b(?:piling|backing) up\b|\bbacked up\b",
        # Something is down: "login is down", "Payments down", "prod went down".
        r"(?:\b(?:is|are|was|were|went|goes|going|been)|'re|'s)\s+down\b",
        # "<something> down" opening a title, unless a verb makes it work: "Scale down …".
        r"^(?!(?:slow|scale|write|break|shut|tear|wind|narrow|cut|turn|drill|step|back|pin|"
        r"track|count|tone|bring|take|put|lay|set|jot|note|boil|dumb|calm|settle|close|look|"
        r"spin|hunt|mark|trim|pare|water)\b)(?:[\w.-]+\s+){1,2}(?:is\s+|are\s+)?down\b",
        r"\b(?:partial|full|total|major)\s+outage\b",
        r"\bsev\s?[0-3]\b",
        # A live metric past its limit: "p99 latency over 10s", "error rate above 5%".
        r"\b(?:p9\d|p50|latency|error rates?|queue depth|cpu|load average)\b[^.,]{0,20}"
        r"(?:\bover\b|\babove\b|>|\bexceed|\bspik|\bat 100)",
        r"\b(?:9\d|100)\s?%\s*(?:disk|full)\b|\bdisk (?:is )?(?:at )?(?:9\d|100)\s?%",
        r"\b(?:[2-9]\d|100)\s?%\s*(?:of\s+)?(?:errors|error rate|failures|of requests)\b",
        r"\belevated (?:error|latency|5xx)",
        r"\bdisk (?:is )?full\b",
        r"\bbacklog\b.*\b\d+[km]?\s+(?:messages|jobs|events)\b",
        r"\bnothing (?:is )?(?:being )?(?:processed|delivered|sent)\b",
        r"\bdouble[- ]charged\b",
        r"\b(?:rollback|roll back)\s+(?:the\s+)?(?:release|deploy)",
        r"\bfailed over\b",
        r"\b(?:pager|alerts?|pagerduty)\s+(?:is\s+|are\s+)?firing\b|\b(?:got\s+)?paged\b",
        r"^incident\b",
        # A metric that jumped: "Spike in 502s since the deploy", "5xx spiking on checkout".
        r"\bspikes?\s+(?:in|of)\s+(?:\w+\s+)?(?:errors?|5xx|50\d\w*|4xx|latency|timeouts?|"
        r"failures?|cpu|memory)\b|\b(?:errors?|5xx|50\d\w*|latency|timeouts?)\s+spik",
        r"\belevated\b",
    ),
    TaskKind.security: (
        r"\bsql\s+injection\b",
        r"\bsecurity\s+(?:hole|issue|bug|flaw|fix|problem|review)s?\b",
        r"\bvulnerab",
        r"\b(?:stored|reflected|dom)\s+xss\b",
        r"\bcve-\d{4}",
        r"\bopen redirect\b",
        r"\bpath traversal\b",
        r"\bbrute[- ]?force\b",
        r"\bprivilege escalation\b",
        r"\b(?:auth\w*|permission|access control|2fa|mfa|csrf)\s+bypass",
        r"\balg\s*[=:]?\s*none\b",
        r"\bsignature (?:is )?not (?:verified|checked|validated)\b",
        r"\bnot (?:escaped|saniti[sz]ed)\b",
        # A missing guard: "no authorization check", "missing CSRF protection".
        r"\b(?:no|missing|without|skips?|bypass\w*)\s+(?:\w+\s+)?(?:auth\w*|permission|"
        r"ownership|access|csrf|rate[- ]limit\w*|brute[- ]force)\s*(?:checks?|controls?|"
        r"validation|protection)?\b",
        # Someone else's data: "can see tasks of other orgs", "delete other people's comments".
        r"\bcan\s+(?:see|read|view|edit|delete|modify|access|download|change)\b.{0,40}\b"
        r"(?:other|another|someone else'?s|any)\s+(?:users?|people|orgs?|tenants?|teams?|"
        r"accounts?|projects?|customers?)",
        r"\b(?:of|from)\s+other\s+(?:users|orgs|tenants|teams|accounts|customers)\b",
        r"\b(?:see|sees|read|reads|view|views|access|accesses|download|downloads|edit|edits|"
        r"delete|deletes)\b.{0,30}(?:\bsomeone else'?s|\bother (?:users|people|customers|orgs|"
        r"tenants|teams)'|\banother (?:user|customer|org|tenant|team)'s)",
        r"\bas (?:another|any|a different) user\b",
        # Raising one's own rights: "users can change their own role to admin".
        r"\b(?:change|set|give|grant|make)s?\s+(?:their|themselves|his|her)\b.{0,20}\b(?:role|"
        r"admin|owner|permissions?)\b",
        # Guessing passwords: "lock the account after 10 failed logins".
        r"\b(?:failed|invalid|wrong)\s+(?:login|sign[- ]in|password)?\s*(?:logins?|attempts?)\b",
        r"\block(?:s|ing)? (?:out|the account|accounts?)\b",
        r"\b(?:plain ?text|md5|sha1|unsalted|weak)\b.{0,20}\bpassword|\bpassword hash",
        # A secret where it must not be: in plain text, in logs, in a URL, public.
        r"\b(?:keys?|tokens?|secrets?|passwords?|credentials?)\b.{0,30}\b(?:in plain ?text|"
        r"plain ?text|in (?:the )?(?:logs?|url|repo|git|public)|exposed|leaked|committed)",
        r"\b(?:leaked|exposed|logged|printed|committed)\b.{0,30}\b(?:keys?|tokens?|secrets?|"
        r"passwords?|credentials?)\b",
        r"\b(?:tokens?|sessions?|cookies?|reset links?|links?)\b.{0,20}\b(?:never|don'?t|do not|"
        r"doesn'?t|does not|not|isn'?t|aren'?t)\s+(?:expire|expired|invalidated|revoked|"
        r"rotated|cleared)\b",
        r"\b(?:doesn'?t|does not|not|never|isn'?t)\s+(?:clear|expire|invalidate|revoke|"
        r"destroy|delete)s?\b.{0,25}\b(?:cookies?|sessions?|tokens?)\b",
        # Code an attacker controls runs: "uploaded SVGs can run scripts".
        r"\b(?:run|runs|execute|executes)\s+(?:arbitrary\s+)?(?:scripts?|code|javascript|js|"
        r"commands?|sql)\b",
        # Reachable by anyone: "admin panel reachable without login".
        r"\b(?:reachable|accessible|visible|available|open|exposed|readable|writable|"
        r"downloadable|editable)\b.{0,20}\bwithout (?:a |an |any )?(?:login|logging in|"
        r"auth\w*|signing in|sign[- ]in|session|account|permission)",
        r"\b(?:rotate|revoke)\b.*\b(?:keys?|tokens?|secrets?|credentials|certs?)\b",
        r"\bchanging the id in the url\b",
        r"\brate[- ]limit\w*\b.*\b(?:password|login|reset|otp|sign[- ]?in)\b",
        # Private data escaping: "Invoice PDF leaks other customers' emails".
        r"\bleak(?:s|ing|ed)?\b.{0,30}\b(?:pii|emails?|e-mail|addresses|personal|tokens?|"
        r"secrets?|passwords?|phone|names|data)\b",
        r"\b(?:missing|no)\s+(?:authz|authn|access checks?)\b",
    ),
    TaskKind.data_migration: (
        r"\bdata migration\b",
        r"\bbackfill\b",
        r"\b(?:merge|dedupe|deduplicate)\s+(?:the\s+)?duplicate\b",
        r"\bsplit\s+(?![\w-]+\.\w)\w+\s+into\b",
        r"\b(?:convert|change)\b.*\bcolumn\b",
        r"\bfrom\s+(?:hours|minutes|strings?|floats?|ints?|integers?|text|json|varchar)\s+"
        r"(?:\(\w+\)\s+)?to\b",
        r"\b(?:import|migrate|move|copy|transfer|bring)\b.*\bfrom\s+(?:jira|trello|asana|"
        r"linear|clickup|basecamp|github issues|a csv|csv|excel|spreadsheets?)\b",
        r"\bpopulate\b.*\b(?:column|field|table)\b",
        # Data carried from the old store to the new one.
        r"\bfrom (?:the )?(?:old|legacy|previous)\b.*\b(?:to|into)\b",
        r"\bfill (?:in )?(?:the )?missing\b",
        # Rows that exist must change with the schema: "migrate existing rows".
        r"\bexisting (?:rows|records|data|entries)\b",
        # Stored values changing their unit or type: "durations stored as seconds to minutes".
        r"\b(?:stored|saved|kept) as\b",
        r"\b(?:seconds|minutes|hours|cents|strings?|floats?|ints?|integers?|text|json)\s+(?:to|"
        r"into)\s+(?:seconds|minutes|hours|cents|strings?|floats?|ints?|integers?|text|jsonb?|"
        r"enums?|uuids?)\b",
    ),
    TaskKind.bug: (
        r"\bkeeps?\s+\w+ing\b",
        # A capability that should work and does not: "can't reset", "doesn't restore". After
        # a third-person or past negation any verb will do; after "not", "never" or "don't",
        # which also open instructions ("Don't email guests"), only the listed ones.
        r"\b(?:doesn'?t|does not|didn'?t|did not|won'?t|can'?t|cannot|can not|couldn'?t|"
        r"wasn'?t|weren'?t|unable to|fails? to|failed to|no longer)\s+(?:\w+\s+)?[a-z]{3,}",
        r"\b(?:don'?t|do not|isn'?t|is not|aren'?t|never|stopped|not)\s+"
        r"(?:\w+\s+){0,2}?(?:work|working|load|loading|save|saving|update|updating|show|"
        r"showing|find|found|visible|marked|sent|send|open|opening|reset|persist|persisted|connect|"
        r"match|matching|clear|cleared|respect|respected|arrive|arrives|appear|appears|sorted|"
        r"ordered|filtered|included|counted|refreshed|deleted|removed|stored|copied|accepted|"
        r"recogni[sz]ed|honou?red|rendered|run|running|"
        r"render|rendering|display|displayed|close|refresh|sync|syncing|log|login|start|"
        r"stop|delete|submit|upload|download|apply|applied|trigger|triggered|fire|fires)\b",
        r"\bdoes(?:n'?t| not)? do anything\b|\bdoes nothing\b|\bnothing happens\b",
        r"\b(?:returns?|returning|throws?|throwing|raises?|raising|gives?|giving|getting|"
        r"get|gets)\s+(?:an?\s+|the\s+)?(?:\d{3}s?|5xx|4xx|errors?|exceptions?|empty|nothing|"
        r"null|none|wrong|\"[^\"]*error)",
        r"\b(?:shows?|showing|shown|has|have|displays?|produces?|puts?|sets?)\s+(?:\w+\s+){0,3}?"
        r"(?:wrong|incorrect|blank|empty|nan|duplicate|stale|broken|raw)\b",
        # What the software does to the user's data on its own, in the third person.
        r"\b(?:drops|loses|removes|deletes|erases|wipes|hides|truncates|cuts off|cut off|"
        r"swallows|eats|duplicates|overwrites|rejects|refuses)\b",
        r"\bunusable\b",
        r"\b(?:creates?|sends?|charges?|adds?|runs?|fires?|books?|logs?)\s+(?:\w+\s+)?(?:two|2)\s+"
        r"(?:\w+\s+)?(?:tasks|entries|emails|copies|rows|times|charges|jobs|records)\b",
        r"\b(?:resets?|reverts?|disappears?|vanish(?:es)?|jumps?)\s+(?:when|whenever|after|if|"
        r"while|every)\b",
        # Input it should refuse: "accepts negative numbers".
        r"\b(?:accepts?|allows?)\s+(?:negative|invalid|empty|blank|duplicate|malformed)\b",
        r"\bby (?:mistake|accident)\b",
        r"\btim(?:ing|es|ed) out\b",
        r"\b(?:is|are|was|were|looks?)\s+(?:wrong|broken|missing|empty|blank|incorrect|off)\b",
        r"\b(?:resets?|reverts?|jumps?)\s+(?:back\s+)?to\b",
        # "shows X instead of Y" is a symptom, "Use X instead of Y" a request.
        r"^(?!(?:use|show|display|prefer|switch|replace|allow|let|make|offer)\b).*\binstead of\b",
        r"\b(?:is|are|shows?|uses?|returns?|in)\s+\S+\s+(?:not|rather than)\s+(?:the|in|a|an|as)\b",
        r"\bout of sync\b",
        r"\boff[- ]by[- ](?:one|1)\b",
        r"\bsilently\b",
        r"\bevery (?:time|other time)\b",
        r"\bafter (?:the )?(?:latest |last |new )?(?:release|deploy|update|upgrad\w*|"
        r"restart|refresh|reload|logout|logging out|migration)\b",
        r"\b(?:ignores?|skips?|overwrites?|loops?|disconnects?|crash(?:es)?)\b",
        r"\b(?:sent|created|charged|counted|shown|fired)\s+twice\b|\btwice on\b",
        r"\bblank in\b|\bempty after\b|\bgrows until\b",
        r"\b(?:fails?|failing)\b",
        r"\b[a-z]+(?:error|exception)\b",
        r"\bsteps to reproduce\b|\bexpected\b.*\bactual\b|\brepro\b",
    ),
    TaskKind.test: (
        r"\bflak(?:y|es|ing|iness)\b",
        r"\b(?:unit|integration|e2e|end[- ]to[- ]end|regression|smoke|load|contract|snapshot|"
        r"property[- ]based|ui|api|browser|playwright|cypress|selenium|acceptance)\s+tests?\b",
        r"\btest (?:coverage|suite|cases?|plan)\b",
        r"\btest_\w+",
        r"\btests? for\b",
    ),
    TaskKind.ui: (
        r"\bdark mode\b",
        r"\bempty states?\b",
        r"\bkeyboard (?:shortcuts?|navigation)\b",
        r"\bscreen readers?\b",
        r"\bloading (?:spinner|state|indicator)\b",
        r"\bon (?:mobile|tablets?|small screens?|retina)\b",
        r"\bsmall screens?\b",
        r"\bresponsive\b",
        r"\btable overflows?\b",
        r"\blooks?\s+(?:bad|off|weird|odd|ugly|blurry|broken|cramped|cluttered)\b",
        r"\b(?:visual|ui|ux)\s+(?:polish|refresh|overhaul|tweaks?)\b",
        r"\bmore (?:visible|prominent|obvious|readable|discoverable|compact)\b",
    ),
    TaskKind.research: (
        r"^why\b",
        r"^(?:can|could|should|do|does|is|are) (?:we|it)\b",
        r"\?\s*$",
        r"\blook (?:into|at)\b",
        r"\bfigure out\b",
        r"\bfind out\b",
        r"\bdig into\b",
        r"\bunderstand why\b",
        r"\b(?:is it|still) worth\b",
        r"\bpros and cons\b",
        r"\b(?:estimate|assess|gauge|size)\s+(?:the\s+)?(?:cost|effort|impact|size)\b",
        r"\boptions for\b|\b(?:compare|evaluate|explore|list|research) (?:the )?options\b",
        r"\bproof of concept\b",
        r"\bvs\.?\b",
    ),
    TaskKind.ops: (
        r"\bhealth ?checks?\b",
        r"\blog (?:shipping|rotation|retention)\b",
        r"\bread replicas?\b",
        r"\bgithub actions\b|\bgitlab ci\b|\bci/cd\b",
        r"\b(?:instance|machine|node|vm) (?:type|size)s?\b",
        r"\bzero[- ]downtime\b|\bblue[/-]green\b|\bcanary\b",
        r"\bcron ?jobs?\b",
        r"\bload balancer\b",
        r"\bon (?:prod|production|staging)\b",
        r"\b(?:memory|cpu|resource)\s+(?:limits?|quotas?)\b|\brestart polic",
        r"\b(?:set up|add|configure)\s+(?:\w+\s+)?(?:monitoring|alerts?|alerting|backups?)\b",
    ),
    TaskKind.docs: (
        r"\bwrite (?:down|up)\b",
        r"^how to\b|\bdocs?: how to\b",
        r"\brelease notes\b",
        r"\bapi reference\b",
        r"\b(?:docs?|documentation|readme|reference|guide|wiki)\b.{0,25}\b(?:outdated|out of date|"
        r"stale|wrong)\b",
        r"\b(?:outdated|out of date)\b",
        # Content added to a document: "Add a section on estimates to the user guide".
        r"\b(?:to|in|into|for) the (?:\w+ )?(?:readme|guide|docs|documentation|wiki|handbook|"
        r"runbook|changelog|faq)\b",
    ),
    TaskKind.chore: (
        r"\bget rid of\b|\brip out\b",
        r"\bmove\b.*\bout of\b",
        r"\bsort imports\b",
        r"\btype (?:hints|annotations)\b",
        r"\b[\w/-]+\.(?:py|js|ts|tsx|jsx|toml|cfg|ini|ya?ml|lock)\b",
        r"\b(?:bump|upgrade|update|pin)\s+(?:\w+\s+)?(?:to|from)\s+v?\d",
    ),
    TaskKind.feature: (
        r"\bas an? (?:\w+\s+){1,3}i (?:want|need|would like)\b",
        r"\bability to\b",
        r"\b(?:would be|it'?d be) (?:nice|great|useful)\b",
        r"\bfeature request\b",
        # A capability asked for: "Users should be able to…", "Support for…", "Let admins…".
        r"\b(?:users?|customers?|admins?|managers?|people|members?|we)\s+(?:should|must|"
        r"need to|want to|would like to)\s+be able to\b",
        r"^(?:add )?support (?:for )?\b",
    ),
}

# Category tags in front of a title, as a team's tracker writes them.
LABELS: dict[TaskKind, str] = {
    TaskKind.bug: "bug bugfix fix defect regression",
    TaskKind.incident: "incident outage sev0 sev1 sev2 sev3 p0 hotfix postmortem post-mortem",
    TaskKind.security: "security sec vuln vulnerability cve",
    TaskKind.feature: "feature feat story enhancement",
    TaskKind.chore: "chore refactor refactoring debt cleanup deps dependencies build lint",
    TaskKind.docs: "docs doc documentation readme wiki faq",
    TaskKind.research: "research spike investigation rfc poc time-box timebox",
    TaskKind.test: "test tests testing qa e2e flaky",
    TaskKind.ops: "ops infra devops sre",
    TaskKind.ui: "ui ux design a11y accessibility css frontend-design",
    TaskKind.data_migration: "migration backfill data-migration",
}

# Verbs that say what kind of work it is when they open a title. The feature verbs are
# generic ("Add e2e tests" is a test), so they weigh only as much as one word; "make",
# "update", "write" and "set up" are not here at all: their object decides.
LEAD_VERBS: dict[TaskKind, str] = {
    TaskKind.bug: "fix repair resolve",
    TaskKind.security: "harden sanitize sanitise escape encrypt revoke patch",
    TaskKind.research: """investigate research evaluate explore prototype compare assess spike
        analyse analyze study benchmark measure understand try gather""",
    TaskKind.docs: "document explain describe",
    TaskKind.chore: """upgrade bump refactor clean tidy rename deprecate remove delete drop
        extract replace simplify reorganise reorganize restructure pin unpin consolidate
        modernize modernise lint split switch""",
    TaskKind.test: "test fuzz cover",
    TaskKind.ops: """deploy redeploy provision configure terraform scale dockerize
        containerize renew monitor host alert""",
    TaskKind.ui: "redesign restyle align",
    TaskKind.data_migration: """backfill migrate convert populate repopulate import transfer dedupe
        move copy recompute recalculate lowercase normalise normalize anonymise anonymize
        reimport re-import backpopulate""",
    TaskKind.feature: "add implement support create build allow enable introduce integrate let",
}

# What a data migration moves. "Migrate task attachments to S3" moves data; "Migrate from
# setup.py to pyproject.toml" changes tooling, which is a chore.
DATA_NOUNS = """data record records row rows column columns table tables field fields value
    values database db schema user users account accounts task tasks project projects
    attachment attachments upload uploads history username usernames entries entry event events
    comment comments ticket tickets issue issues board boards estimate
    estimates tag tags label labels email emails name names timesheet timesheets invoice
    invoices order orders customer customers contact contacts message messages
    notification notifications document documents historical"""

# Words that put an incident word out of play: "zero downtime", "without an outage".
NEGATORS = frozenset(
    ["no", "not", "without", "zero", "avoid", "prevent", "reduce", "minimise", "minimize"]
)

# Words that widen a problem to everyone: a bug with these is an incident.
SCOPE_PHRASES = (
    r"\bsince (?:the )?\d{1,2}[:.]\d{2}\b",
    r"\b(?:all|every|each)\s+(?:\w+\s+)?(?:users?|customers?|tenants?|requests?|orgs?|"
    r"accounts?|teams?|regions?|visitors?)\b",
    r"\b(?:nobody|no one|everyone|everybody)\b",
    r"\b(?:whole|entire) (?:site|app|platform|service)\b",
    r"\bsince \d{1,2}[:.]\d{2}\b|\bsince (?:this morning|last night|the deploy)\b",
    r"\bfor (?:the (?:last|past) )?\d+\s*(?:min|mins|minutes|h|hours)\b",
)
