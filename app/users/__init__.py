"""Sign-in, sign-out, the landing redirect and user administration."""
