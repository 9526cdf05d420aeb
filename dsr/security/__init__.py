"""Defences that cut across the domains: staff sessions, sign-in throttling, the password
policy, security headers and origin checks, proof-of-work after a rate limit, input hygiene."""
