"""Chapter 2 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
