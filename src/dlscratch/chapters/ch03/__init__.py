"""Chapter 3 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
