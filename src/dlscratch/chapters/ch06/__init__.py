"""Chapter 6 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
