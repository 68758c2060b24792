package api

// RegisterLimitMax exposes the dynamic registration rate limit to the
// external tests.
const RegisterLimitMax = registerLimitMax
