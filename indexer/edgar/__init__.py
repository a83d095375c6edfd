"""EDGAR in: a polite HTTP client, the index and feed formats (pure), and the three commands
that use them: `insider sync` (backfill from the indexes), `insider follow` (the live feed) and
`insider load-datasets` (the SEC's quarterly TSV data sets)."""
