from release_gate.cli import main

raise SystemExit(main())
