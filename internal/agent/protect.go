package agent

// maskedNote tells the model (and whoever reads the session) why a tool
// result has "…" where a key or JWT was.
const maskedNote = "\n[hermes: key- or JWT-shaped strings in this result were masked; the real values were not sent]"
