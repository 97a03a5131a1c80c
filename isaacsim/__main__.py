from isaacsim.cli import main

raise SystemExit(main())
