"""The master's writer kit (core.py): what every sheet of the master uses. The sheets live with their
owners: the week's general sheets and the assembler in xlflow/week/master/, each feature's in its folder
under xlflow/features/."""
