// Reads and checks what a person typed on each page. Messages follow B2C's wording where it has one.
// Passwords are never echoed back into a page.
import { passwordProblem } from '../passwords.ts';

export type FieldErrors = Record<string, string>;
export type Body = Record<string, unknown>;

const MAX_EMAIL = 254;
const MAX_NAME = 64;

export function text(body: Body, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

export function emailProblem(email: string): string | undefined {
  if (!email) return 'Please enter your email address.';
  if (email.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return 'Please enter a valid email address.';
  return undefined;
}

export function nameProblem(value: string, label: string): string | undefined {
  if (!value.trim()) return `Please enter your ${label}.`;
  if (value.length > MAX_NAME) return `Your ${label} must be at most ${MAX_NAME} characters long.`;
  return undefined;
}

export function newPasswordProblems(body: Body, errors: FieldErrors): string {
  const password = text(body, 'newPassword');
  const again = text(body, 'reenterPassword');
  const problem = password ? passwordProblem(password) : 'Please enter a new password.';
  if (problem) errors.newPassword = problem;
  else if (password !== again) {
    errors.reenterPassword = 'The password entry fields do not match. Please enter the same password in both fields and try again.';
  }
  return password;
}

function put(errors: FieldErrors, field: string, problem: string | undefined): void {
  if (problem) errors[field] = problem;
}

export interface SignInForm { values: { signInName: string }; password: string; errors: FieldErrors }

export function readSignIn(body: Body): SignInForm {
  const signInName = text(body, 'signInName').trim();
  const password = text(body, 'password');
  const errors: FieldErrors = {};
  put(errors, 'signInName', emailProblem(signInName));
  // A password too long to be anyone's is a wrong password (sign-in-up.ts), not a form error.
  if (!password) errors.password = 'Please enter your password.';
  return { values: { signInName }, password, errors };
}

export interface SignUpForm {
  values: { email: string; givenName: string; surname: string };
  password: string;
  errors: FieldErrors;
}

export function readSignUp(body: Body): SignUpForm {
  const values = { email: text(body, 'email').trim(), givenName: text(body, 'givenName').trim(), surname: text(body, 'surname').trim() };
  const errors: FieldErrors = {};
  put(errors, 'email', emailProblem(values.email));
  const password = newPasswordProblems(body, errors);
  put(errors, 'givenName', nameProblem(values.givenName, 'given name'));
  put(errors, 'surname', nameProblem(values.surname, 'surname'));
  return { values, password, errors };
}

export interface ProfileForm { values: { givenName: string; surname: string }; errors: FieldErrors }

export function readProfile(body: Body): ProfileForm {
  const values = { givenName: text(body, 'givenName').trim(), surname: text(body, 'surname').trim() };
  const errors: FieldErrors = {};
  put(errors, 'givenName', nameProblem(values.givenName, 'given name'));
  put(errors, 'surname', nameProblem(values.surname, 'surname'));
  return { values, errors };
}

export interface ResetForm { values: { email: string }; password: string; errors: FieldErrors }

export function readReset(body: Body): ResetForm {
  const values = { email: text(body, 'email').trim() };
  const errors: FieldErrors = {};
  put(errors, 'email', emailProblem(values.email));
  const password = newPasswordProblems(body, errors);
  return { values, password, errors };
}
