"""scripts/lessons.py, imported by its path (scripts/ is not a package), for the lesson tests."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).parent.parent


def load_lessons_script():
    """The module scripts/lessons.py (``make lessons``)."""
    spec = importlib.util.spec_from_file_location("chainrule_lessons_script",
                                                  ROOT / "scripts" / "lessons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
