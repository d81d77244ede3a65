"""The packages are a library: importing them must not import Streamlit."""

import subprocess
import sys


def test_packages_do_not_import_streamlit():
    code = (
        "import sys, knowledge, knowledge.kb, knowledge.seed, courses, trainer, desk, desk.drafts, desk.health,"
        " desk.replydesk, sqlstore, commands.knowledge_cli, commands.trainer_cli;"
        "sys.exit(1 if 'streamlit' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or "a package imported streamlit"
