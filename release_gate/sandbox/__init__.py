"""The sandbox: a reference backend of the Option C bootstrap-link signup flow, with fault
switches (docs/design.md §7, docs/sandbox.md). It shares no code with the smoke: they meet over HTTP
and in the database only."""
