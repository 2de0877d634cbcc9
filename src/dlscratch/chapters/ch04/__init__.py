"""Chapter 4 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
