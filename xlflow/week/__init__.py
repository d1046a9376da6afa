"""The project's week: computed once (the pipeline), kept whole (the record), read by every output."""
