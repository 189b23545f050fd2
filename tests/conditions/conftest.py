"""face-alignment's post-processing is numba-jitted; compiling it costs more than running it once in Python.
The same code runs either way. Must be set before numba is first imported (face-alignment is imported lazily
by the extractor, so no earlier test module imports it)."""
import os

os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
