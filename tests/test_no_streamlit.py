"""The packages are a library: importing them must not import Streamlit."""

import subprocess
import sys


def test_packages_do_not_import_streamlit():
    code = (
        "import sys, knowledge, commands.knowledge_cli, knowledge.kb, knowledge.seed, courses, trainer;"
        "sys.exit(1 if 'streamlit' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, "a package imported streamlit"
