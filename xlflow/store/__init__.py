"""Every on-disk format of a workspace: folders and names, atomic writes, the state database."""
