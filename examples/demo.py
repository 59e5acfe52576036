"""Placeholder: the real demo is written separately."""

if __name__ == "__main__":
    print("demo placeholder")
