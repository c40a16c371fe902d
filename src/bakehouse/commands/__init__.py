"""Command-line commands, one module per job; ``bakehouse.cli`` wires them into the app."""
