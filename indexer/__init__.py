"""EDGAR in, documents out: envelopes and ownership XML become filing documents and
transaction rows (pure), fed to an engine by the pipeline (I/O)."""
