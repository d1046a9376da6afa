"""What commands do: intake, merge, scaffolding; called by the watcher and the CLI."""
