"""Chapter 7 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
