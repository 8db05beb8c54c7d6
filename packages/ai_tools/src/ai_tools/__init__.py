"""ai_tools."""
