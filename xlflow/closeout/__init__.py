"""Close-out: a project that ends properly — readiness, the final report, the lessons register,
the freeze and the archive pack (docs/closeout.md)."""
