"""Build of realpolitik's one compiled module, the greedy transition loop (src/realpolitik/nlp/_greedy.pyx).

Everything else is in pyproject.toml. The extension is optional: without Cython, a C++ compiler or
spaCy's headers the package installs without it and runs spaCy's own loop (same annotations,
slower; realpolitik.nlp.transition.FAST_LOOP says which).
"""

from pathlib import Path

from setuptools import setup

ext_modules = []
try:
    import numpy
    import spacy
    from Cython.Build import cythonize
    from setuptools import Extension
except ImportError as exc:  # build without the extension
    print(f"realpolitik: building without the compiled parse loop ({exc})")
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
        # spaCy's and thinc's .pxd files, where the installed packages are
        include_path=[str(Path(spacy.__file__).parent.parent)],
        quiet=True,
    )

setup(ext_modules=ext_modules)
