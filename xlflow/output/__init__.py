"""What xlflow writes for people: department workbooks, the master, the brief, mails."""
