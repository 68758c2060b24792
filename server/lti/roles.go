package lti

import "strings"

// instructorRoles are the LIS roles (context, institution and system) that get
// the instructor view. Anything else — including unknown roles — is a learner,
// which is the safe default.
var instructorRoles = map[string]bool{
	"Instructor":                     true,
	"ContentDeveloper":               true,
	"Administrator":                  true,
	"TeachingAssistant":              true,
	"Faculty":                        true,
	"SysAdmin":                       true,
	"SysSupport":                     true,
	"AccountAdmin":                   true,
	"Grader":                         true,
	"Instructor#Grader":              true,
	"Instructor#Lecturer":            true,
	"Instructor#PrimaryInstructor":   true,
	"Instructor#SecondaryInstructor": true,
	"Instructor#TeachingAssistant":   true,
}

// IsInstructor reports whether any of the roles is instructor-like. It accepts
// full LIS URIs (membership, institution, system), sub-roles such as
// membership/Instructor#TeachingAssistant, and short names ("Instructor").
func IsInstructor(roles []string) bool {
	for _, r := range roles {
		if instructorRoles[shortRole(r)] {
			return true
		}
	}
	return false
}

// shortRole reduces a LIS role URI to the part after the vocabulary:
// ".../membership#Instructor" → "Instructor",
// ".../membership/Instructor#TeachingAssistant" → "Instructor#TeachingAssistant".
func shortRole(r string) string {
	for _, prefix := range []string{
		"http://purl.imsglobal.org/vocab/lis/v2/membership/",
		"http://purl.imsglobal.org/vocab/lis/v2/membership#",
		"http://purl.imsglobal.org/vocab/lis/v2/institution/person#",
		"http://purl.imsglobal.org/vocab/lis/v2/system/person#",
		"http://purl.imsglobal.org/vocab/lis/v2/person#",
	} {
		if strings.HasPrefix(r, prefix) {
			return strings.TrimPrefix(r, prefix)
		}
	}
	return r
}
