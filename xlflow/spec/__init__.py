"""The form catalog: specs, field types, the stamps of a generated workbook."""
