"""AI assist: suggestions from Gemini, an OpenAI-compatible server or the offline planner."""
