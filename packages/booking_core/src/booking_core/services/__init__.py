"""The service layer: the one public API every entry point (web, AI, admin) calls."""
