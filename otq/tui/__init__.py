"""The otq terminal UI (Textual). Only this package imports textual; start it with
``otq.tui.app.run_tui(session)``."""
