"""Normalizers that turn extracted text (dates, names, institutions, places) into canonical values."""
