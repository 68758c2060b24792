package ltitest

import (
	"fmt"
	"slices"
	"strings"
)

// LIS role URIs used by the default directory.
const (
	RoleInstructor = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
	RoleLearner    = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
	// RoleAdministrator is the institution role Moodle gives site admins.
	RoleAdministrator = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"

	membershipRolePrefix = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
)

// Member statuses, as NRPS reports them.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
	StatusDeleted  = "Deleted"
)

// User is a person known to the platform. Roles are the user's default roles:
// used when enrolling without explicit roles and when launching outside a course.
type User struct {
	ID, Name, GivenName, FamilyName, Email string
	Roles                                  []string
	Status                                 string // Active (default), Inactive or Deleted
}

// Course is a context the platform launches from.
type Course struct{ ID, Label, Title string }

// course is a Course with its roster, resource links and gradebook.
type course struct {
	Course
	members   map[string]*membership
	order     []string // member user ids in enrolment order, for stable paging
	links     map[string]string
	lineItems []*lineItem
}

// membership is one user's enrolment. changed is the platform sequence number of
// the last change, which is what NRPS differences compare against.
type membership struct {
	roles   []string
	status  string
	changed int64
}

// addDefaultDirectory seeds the people every test and the demo page expect.
func (p *Platform) addDefaultDirectory() {
	p.AddUser(User{ID: "instructor", Name: "Grace Hopper", GivenName: "Grace", FamilyName: "Hopper",
		Email: "grace@example.edu", Roles: []string{RoleInstructor}})
	p.AddUser(User{ID: "student", Name: "Ada Lovelace", GivenName: "Ada", FamilyName: "Lovelace",
		Email: "ada@example.edu", Roles: []string{RoleLearner}})
	p.AddCourse(Course{ID: "course-101", Label: "DEMO101", Title: "Demo Course 101"})
	p.Enroll("course-101", "instructor")
	p.Enroll("course-101", "student")
	p.AddResourceLink("course-101", "rl-1", "Activity 1")
}

// AddUser adds or replaces a user. Replacing marks the user's memberships as
// changed so NRPS differences report the new names.
func (p *Platform) AddUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addUserLocked(u)
}

func (p *Platform) addUserLocked(u User) {
	if u.Status == "" {
		u.Status = StatusActive
	}
	u.Roles = slices.Clone(u.Roles)
	if _, ok := p.users[u.ID]; ok {
		for _, c := range p.courses {
			if m, ok := c.members[u.ID]; ok {
				p.seq++
				m.changed = p.seq
			}
		}
	}
	p.users[u.ID] = &u
}

// AddCourse adds a course or updates its label and title.
func (p *Platform) AddCourse(c Course) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.courseLocked(c.ID).Course = c
}

// courseLocked returns the course, creating an empty one if needed.
func (p *Platform) courseLocked(id string) *course {
	c, ok := p.courses[id]
	if !ok {
		c = &course{Course: Course{ID: id, Label: id, Title: id}, members: map[string]*membership{}, links: map[string]string{}}
		p.courses[id] = c
	}
	return c
}

// AddResourceLink declares an activity (resource link) in a course. Launches
// declare theirs automatically; line items may only point at declared links,
// as in Moodle.
func (p *Platform) AddResourceLink(courseID, id, title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.courseLocked(courseID).links[id] = title
}

// Enroll makes userID an active member of courseID with roles (default: the
// user's own roles, or Learner). A missing course or user is created with
// placeholder names so short tests stay short.
func (p *Platform) Enroll(courseID, userID string, roles ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.enrollLocked(courseID, userID, roles)
}

func (p *Platform) enrollLocked(courseID, userID string, roles []string) {
	u, ok := p.users[userID]
	if !ok {
		p.addUserLocked(User{ID: userID, Name: userID, Roles: []string{RoleLearner}})
		u = p.users[userID]
	}
	if len(roles) == 0 {
		roles = u.Roles
	}
	if len(roles) == 0 {
		roles = []string{RoleLearner}
	}
	c := p.courseLocked(courseID)
	m, ok := c.members[userID]
	if !ok {
		m = &membership{}
		c.members[userID] = m
		c.order = append(c.order, userID)
	}
	p.seq++
	m.roles, m.status, m.changed = slices.Clone(roles), StatusActive, p.seq
}

// AddLearners enrols n generated learners ("learner-1", "Test Learner 1", ...),
// for rosters of thousands.
func (p *Platform) AddLearners(courseID string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range n {
		p.learnerSeq++
		k := p.learnerSeq
		id := fmt.Sprintf("learner-%d", k)
		p.addUserLocked(User{ID: id, Name: fmt.Sprintf("Test Learner %d", k), GivenName: "Test",
			FamilyName: fmt.Sprintf("Learner %d", k), Email: fmt.Sprintf("learner%d@example.edu", k),
			Roles: []string{RoleLearner}})
		p.enrollLocked(courseID, id, nil)
	}
}

// SetMemberStatus changes a membership's status (Active, Inactive, Deleted).
// It reports whether the membership exists.
func (p *Platform) SetMemberStatus(courseID, userID, status string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.courses[courseID]
	if !ok {
		return false
	}
	m, ok := c.members[userID]
	if !ok {
		return false
	}
	p.seq++
	m.status, m.changed = status, p.seq
	return true
}

// RemoveMember unenrols a user. The membership is kept as Deleted so NRPS
// differences can report the removal; full listings no longer show it.
func (p *Platform) RemoveMember(courseID, userID string) bool {
	return p.SetMemberStatus(courseID, userID, StatusDeleted)
}

// gradable reports whether userID may receive scores in c: an enrolled,
// not deleted member with a Learner role. Moodle refuses scores for anyone
// else (teachers are not gradable) with 400.
func (c *course) gradable(userID string) bool {
	m, ok := c.members[userID]
	if !ok || m.status == StatusDeleted {
		return false
	}
	for _, r := range m.roles {
		if fullRole(r) == RoleLearner {
			return true
		}
	}
	return false
}

// fullRole expands a short membership role name ("Learner") to its URI and
// leaves URIs alone.
func fullRole(r string) string {
	if strings.Contains(r, ":") || r == "" {
		return r
	}
	return membershipRolePrefix + r
}

// shortRole turns a membership role URI into its short name ("Learner"); other
// vocabularies keep their URI because their short names would be ambiguous.
func shortRole(r string) string {
	if s, ok := strings.CutPrefix(r, membershipRolePrefix); ok && !strings.Contains(s, "#") {
		return s
	}
	return r
}
