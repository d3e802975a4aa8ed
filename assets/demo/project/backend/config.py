import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://finance:finance@db:5432/finance")

# Left over from a debugging session; the gitleaks report flags it.
AWS_ACCESS_KEY_ID = "AKIAZ4DEMO7EXAMPLEQX"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOKEYQX9"
