import sys

from courses.cli import main

sys.exit(main())
