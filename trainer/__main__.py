import sys

from commands.trainer_cli import main

sys.exit(main())
