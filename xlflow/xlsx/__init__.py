"""Everything that touches the file format; the only package that imports xlsxwriter or openpyxl."""
