"""gioia.pipeline's names are imported from its stages when first used (PEP 562): each
must resolve to what its stage defines, and none may share its name with a module of the
package (importing that module would set the package's attribute to the module: that
made `pipeline.accept` a module once `gioia.pipeline.accept` had been imported)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import gioia.pipeline as pipeline


def test_every_name_resolves_to_its_stages_object():
    for name in pipeline.__all__:
        value = getattr(pipeline, name)
        assert not isinstance(value, types.ModuleType), name
        defining = importlib.import_module(pipeline._WHERE[name])
        assert value is getattr(defining, name)


def test_no_name_is_also_a_module_of_the_package():
    modules = {info.name for info in pkgutil.iter_modules(pipeline.__path__)}
    assert modules and not modules & set(pipeline.__all__)


def test_the_package_imports_no_stage_until_a_name_is_used():
    code = (
        "import sys, gioia.pipeline as p; "
        "print(sorted(m for m in sys.modules if m.startswith('gioia.pipeline.'))); "
        "p.load_study; print('gioia.report' in sys.modules, 'docx' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "False False"]
