"""What every part of the brief shares (limits.py). The brief is assembled in xlflow/week/brief/; each
feature's part lives in its folder under xlflow/features/."""
