package ui

import "github.com/ltibox/ltibox/server/model"

// platformRef is a platform as a list names it.
type platformRef struct {
	id             int64
	name, clientID string
}

// platformLabels names platforms for lists, choices, buttons and messages:
// the name, and " (client <id>)" after it when another platform of the list
// has the same name. Two registrations of one LMS are both named after its
// host, and would otherwise read the same (to a screen reader too).
func platformLabels(refs []platformRef) map[int64]string {
	ids := map[string]map[int64]bool{}
	for _, r := range refs {
		if ids[r.name] == nil {
			ids[r.name] = map[int64]bool{}
		}
		ids[r.name][r.id] = true
	}
	out := map[int64]string{}
	for _, r := range refs {
		out[r.id] = r.name
		if len(ids[r.name]) > 1 {
			out[r.id] = withClient(r.name, r.clientID)
		}
	}
	return out
}

// withClient is a platform's name followed by its client ID, the one place
// that suffix is made: registrations store the name a person would type
// (dynamic registration too), and what shows them adds the client ID once.
func withClient(name, clientID string) string {
	return name + " (client " + clientID + ")"
}

// platformRefs are the platforms of the list.
func platformRefs(ps []model.Platform) []platformRef {
	out := []platformRef{}
	for _, p := range ps {
		out = append(out, platformRef{p.ID, p.Name, p.ClientID})
	}
	return out
}

// labels names the platforms of the Platforms and Deployments pages.
func (c *adminConsole) labels() map[int64]string {
	return platformLabels(platformRefs(c.platforms))
}

// pendingLabels names the platforms of the Pending approvals page: those
// waiting, those whose deployments wait, and the other registrations of the
// same LMSs (whose names may be the same).
func (c *adminConsole) pendingLabels() map[int64]string {
	refs := platformRefs(c.pending.Platforms)
	for _, p := range c.pending.Platforms {
		for _, o := range p.SameIssuer {
			refs = append(refs, platformRef{o.ID, o.Name, o.ClientID})
		}
	}
	for _, d := range c.pending.Deployments {
		refs = append(refs, platformRef{d.RegistrationID, d.Platform, d.ClientID})
	}
	return platformLabels(refs)
}
