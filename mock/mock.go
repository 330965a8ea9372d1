// Package mock holds hand-written mocks of the kizuna service interfaces.
// Each mock has one func field per method, so that a test sets exactly the
// behaviour it needs and sees every call; calling a method whose func is
// nil panics, which fails the test that forgot to expect the call.
package mock
