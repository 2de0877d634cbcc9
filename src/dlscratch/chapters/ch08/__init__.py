"""Chapter 8 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
