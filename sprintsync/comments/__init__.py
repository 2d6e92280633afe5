"""Comments on tasks: Markdown, @mentions, edits marked as such."""
