"""Build of realpolitik's one compiled module, the greedy transition loop (src/realpolitik/nlp/_greedy.pyx).

Everything else is in pyproject.toml. The extension is optional: without Cython, a C++ compiler or
spaCy's headers the package installs without it and runs spaCy's own loop (same annotations,
slower; realpolitik.nlp.transition.FAST_LOOP says which, and a test fails where a compiler exists
but the module is missing).
"""

from importlib.util import find_spec
from pathlib import Path

from setuptools import setup

ext_modules = []
# spaCy's and thinc's .pxd files are found where the packages are installed; spaCy is located,
# not imported (importing it needs all of its dependencies, which may not be installed yet).
spacy_spec = find_spec("spacy")
try:
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension
except ImportError as exc:
    print(f"realpolitik: building without the compiled parse loop ({exc})")
else:
    if spacy_spec is None or spacy_spec.origin is None:
        print("realpolitik: building without the compiled parse loop (spaCy is not installed)")
    else:
        ext_modules = cythonize(
            [
                Extension(
                    "realpolitik.nlp._greedy",
                    ["src/realpolitik/nlp/_greedy.pyx"],
                    language="c++",
                    include_dirs=[numpy.get_include()],
                    extra_compile_args=["-O3"],
                    optional=True,
                )
            ],
            include_path=[str(Path(spacy_spec.origin).parent.parent)],
            quiet=True,
        )

setup(ext_modules=ext_modules)
