"""Chapter 5 of the book: example scripts (see :mod:`dlscratch.chapters`)."""
