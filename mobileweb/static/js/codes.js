// Stable codes of the deviation form, as the server checks them (internal/deviations).
// A Go test in mobileweb keeps this file and the message files in step with the server.
export const DEVIATION_TYPES = ['deviation', 'risk', 'complaint'];
export const ACTIVITIES = ['SoL', 'HSL', 'LSS'];
export const AREAS = {
  SoL: ['fall', 'missed_visit', 'late_visit', 'care_not_as_planned', 'treatment', 'information_transfer', 'documentation', 'keys', 'security_alarm', 'property', 'violence_or_threat', 'other'],
  HSL: ['fall', 'medication', 'delegated_task', 'pressure_ulcer', 'medical_device', 'infection', 'nutrition', 'information_transfer', 'documentation', 'other'],
  LSS: ['fall', 'missed_visit', 'late_visit', 'care_not_as_planned', 'treatment', 'information_transfer', 'documentation', 'keys', 'property', 'violence_or_threat', 'restraint', 'other'],
};
export const PROFESSIONS = ['care_staff', 'specialist_care_staff', 'nurse', 'occupational_therapist', 'physiotherapist', 'physician', 'coordinator', 'manager', 'case_officer', 'other'];
export const LEX = ['none', 'lex_sarah', 'lex_maria'];
export const ANALYSIS_STATUSES = ['investigating', 'closed'];
