import sys

from commands.knowledge_cli import main

sys.exit(main())
