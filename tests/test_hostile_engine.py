"""Hostile input to the engine: every promise holds, or a clear error names the node.

Grouped by kind: inf and overflow (forward, backward, second order, gradcheck);
a graph lost without a word (float(), bool()); stale or malformed graphs (a Value
changed after the graph was built, a cycle, local_grads that do not match the
parents); threads.  docs/reliability.md says what is promised and why.
"""
import gc
import math
import sys
import threading

import numpy as np
import pytest

import autograd
from autograd import Value, gradcheck, grad, last_backward, numeric_grad
from autograd.backward import GraphError, verify_graph
from autograd.gradcheck import recompute

INF, NAN = math.inf, math.nan


def by_hand(number: float) -> Value:
    """A leaf whose data is set after it was made: the one way inf or NaN can get in."""
    v = Value(0.0)
    v._data = number  # the slot itself: `v.data = number` is refused (TestChangesByHand)
    return v


# == inf and overflow ================================================================
class TestInfinityIsRefusedLikeNaN:
    @pytest.mark.parametrize("make, pattern", [
        (lambda: Value(INF), r"Value\(\): got inf, which is not a finite number"),
        (lambda: Value(-INF), r"Value\(\): got -inf, which is not a finite number"),
        (lambda: Value(1.0) + INF, r"Value \+ operand: got inf"),
        (lambda: INF * Value(1.0), r"Value \* operand: got inf"),
        (lambda: Value(1.0) - INF, r"Value - operand: got inf"),
        (lambda: Value(1.0) / -INF, r"Value / operand: got -inf"),
        (lambda: Value(2.0) ** INF, r"Value \*\* exponent: got inf"),
        (lambda: INF ** Value(2.0), r"number \*\* Value: got inf"),
        (lambda: Value(-1.0).leaky_relu(INF), r"leaky_relu\(slope\): got inf"),
        (lambda: Value(1.0, (Value(2.0),), (INF,)), r"Value\(\) local_grads: got inf"),
        (lambda: Value(1.0).backward(INF), r"backward\(gradient\): got inf"),
        (lambda: autograd.sum([Value(1.0), INF]), r"sum\(\): got inf"),
        (lambda: autograd.linear([Value(1.0)], [INF]), r"linear\(\): got inf"),
    ])
    def test_inf_is_refused_wherever_a_number_enters(self, make, pattern):
        with pytest.raises(ValueError, match=pattern):
            make()

    def test_an_int_too_large_for_a_float_is_named_by_its_size(self):
        with pytest.raises(OverflowError, match=r"Value\(\): an int of about 10\*\*400 is too large "
                                                r"for a float \(the largest is about 1\.8e\+308\)"):
            Value(10 ** 400)

    def test_nan_is_still_refused_everywhere_it_enters(self):
        for make in (lambda: Value(NAN), lambda: Value(1.0) * NAN, lambda: Value(1.0).backward(NAN)):
            with pytest.raises(ValueError, match="got NaN"):
                make()

    @pytest.mark.parametrize("operation", [
        lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.atan(), lambda v: Value(1.0) / v,
        lambda v: autograd.max([v, Value(1.0)]), lambda v: v + 1.0, lambda v: v * 0.0,
        lambda v: autograd.linear([v], [0.0]), lambda v: autograd.sum([v, Value(1.0)]),
    ])
    @pytest.mark.parametrize("number", [INF, -INF, NAN])
    def test_inf_or_nan_set_by_hand_is_refused_even_where_the_result_would_be_finite(
            self, operation, number):
        # tanh(inf) = 1, 1 / inf = 0, max(-inf, 1) = 1: finite results that would hide it
        with pytest.raises(ValueError, match=r"not (a )?finite"):
            operation(by_hand(number))


class TestForwardOverflowNamesTheOperationAndTheValues:
    @pytest.mark.parametrize("make, pattern", [
        (lambda: Value(1e308) + Value(1e308), r"Value\(data=1e\+308\) \+ Value\(data=1e\+308\) overflows a float"),
        (lambda: Value(1e308) - Value(-1e308), r"Value\(data=1e\+308\) \+ Value\(data=1e\+308\) overflows"),
        (lambda: Value(1e200) * 1e200, r"Value\(data=1e\+200\) \* Value\(data=1e\+200\) overflows a float"),
        (lambda: Value(1.0) / 1e-310, r"Value\(data=1\.0\) / Value\(data=1e-310\) overflows a float"),
        (lambda: autograd.sum([Value(1e308)] * 3), r"sum\(\) of 3 values overflows a float"),
        (lambda: autograd.linear([Value(1e200)], [1e200]), r"linear\(\): weight 0 times input 0, 1e\+200 \* 1e\+200, overflows"),
        (lambda: autograd.linear([Value(1e308), Value(1e308)], [1.0, 1.0]), r"linear\(\): the weighted sum .* overflows"),
        (lambda: autograd.linear([Value(1e308)], [1.0], 1e308), r"linear\(\): the weighted sum .* the bias 1e\+308\) overflows"),
        (lambda: Value(-1e10).leaky_relu(1e300), r"leaky_relu\(Value\(data=-10000000000\.0\)\) overflows a float"),
        (lambda: Value(1e308).softplus() * 2, r"overflows a float"),
    ])
    def test_a_result_too_large_for_a_float_raises(self, make, pattern):
        with pytest.raises(OverflowError, match=pattern):
            make()

    @pytest.mark.parametrize("make, pattern", [
        # x / y fits (1e290), but d/dy = -x / y^2 does not
        (lambda: Value(1e-10) / Value(1e-300), r"Value\(data=1e-10\) / Value\(data=1e-300\): its local derivative with respect to input 2 overflows"),
        # log of the smallest float is -744.4, but d/dx = 1/x is too large
        (lambda: Value(5e-324).log(), r"log\(Value\(data=5e-324\)\): its local derivative with respect to input 1 overflows"),
    ])
    def test_a_local_derivative_too_large_for_a_float_raises(self, make, pattern):
        with pytest.raises(OverflowError, match=pattern):
            make()

    def test_the_largest_finite_results_still_work(self):
        assert (Value(8.9e307) + Value(8.9e307)).data == 1.78e308
        assert autograd.sum([Value(8.9e307), Value(8.9e307)]).data == 1.78e308
        assert autograd.linear([Value(1e154)], [1e154]).data == pytest.approx(1e308)


class TestGradientOverflowRaisesAndChangesNothing:
    @staticmethod
    def tiny_times_huge():
        # forward: 1e-300 * 1e200 * 1e200 = 1e100 fits; d/dw = 1e200 * 1e200 does not
        w = Value(1e-300, label="w")
        return w, w * 1e200 * 1e200

    def test_backward_names_the_node_whose_gradient_overflows(self):
        w, y = self.tiny_times_huge()
        with pytest.raises(OverflowError, match=r"backward\(\): the gradient of Value\(data=1e-300, "
                                                r"label='w'\) overflows a float"):
            y.backward()

    def test_a_failed_backward_leaves_every_leaf_grad_as_it_was(self):
        w, y = self.tiny_times_huge()
        w.grad = 0.5
        with pytest.raises(OverflowError):
            y.backward()
        assert w.grad == 0.5
        assert last_backward() is None or last_backward().root is not y  # not recorded

    def test_two_paths_that_each_fit_but_overflow_when_added_up(self):
        x = Value(1e-10)
        y = x * 1e308 + x * 1e308  # forward 2e298; dy/dx = 1e308 + 1e308
        with pytest.raises(OverflowError, match=r"the gradient of Value\(data=1e-10\) overflows"):
            y.backward()
        assert x.grad == 0.0

    def test_adding_to_an_earlier_grad_that_overflows_raises(self):
        x = Value(1.0)
        y = x * 1e308
        y.backward()
        with pytest.raises(OverflowError, match=r"added to its grad from earlier calls \(1e\+308\)"):
            y.backward()
        assert x.grad == 1e308  # the first pass's gradient, untouched

    def test_grad_raises_too(self):
        w, y = self.tiny_times_huge()
        with pytest.raises(OverflowError, match=r"grad\(\): the gradient of Value\(data=1e-300"):
            grad(y, [w])

    def test_a_huge_seed_gradient_overflows_by_name(self):
        w = Value(1.0, label="w")
        with pytest.raises(OverflowError, match=r"label='w'\) overflows"):
            (w * 1e200).backward(gradient=1e200)
        assert w.grad == 0.0


class TestSecondOrderNeverGivesInf:
    def test_building_a_first_derivative_that_overflows_names_the_node(self):
        w = Value(1e-300)
        y = w * 1e200 * 1e200
        with pytest.raises(OverflowError, match=r"grad\(create_graph=True\): building the derivative "
                                                r"through Value\(data=1e-100, op='\*'\).*overflows"):
            grad(y, [w], create_graph=True)

    def test_a_second_derivative_that_overflows_raises(self):
        # g = (1e200 x)^2 at x = 1e-160: g = 1e80, g' = 2e240, g'' = 2e400
        x = Value(1e-160)
        g = (x * 1e200) * (x * 1e200)
        [dg] = grad(g, [x], create_graph=True)
        assert math.isfinite(dg.data) and dg.data == pytest.approx(2e240)
        with pytest.raises(OverflowError, match="overflows a float"):
            grad(dg, [x])
        with pytest.raises(OverflowError, match="overflows a float"):
            dg.backward()


class TestGradcheckCannotPassOnInf:
    def test_a_central_difference_that_overflows_raises_instead_of_passing(self):
        # f(1) - f(-1) = 3.4e308 overflows; |analytic - inf| <= rtol * inf would have passed
        with pytest.raises(OverflowError, match=r"numeric_grad: the central difference of .* for "
                                                r"input 0 \(x = 0\.0, eps = 1\.0\) overflows"):
            gradcheck(lambda x: x * 1.7e308, [0.0], eps=1.0)

    @pytest.mark.parametrize("call, error, pattern", [
        (lambda: gradcheck(lambda x: x, [INF]), ValueError, r"gradcheck inputs\[0\]: got inf"),
        (lambda: numeric_grad(lambda x: x, [NAN]), ValueError, r"numeric_grad inputs\[0\]: got NaN"),
        (lambda: gradcheck(lambda x: x, [Value(1.0)]), TypeError, r"gradcheck inputs\[0\]: expected a real number, got Value"),
        (lambda: gradcheck(lambda x: x, 1.0), TypeError, r"gradcheck: inputs must be a sequence of numbers, got float"),
        (lambda: numeric_grad(lambda x: x, [1.0], eps=0.0), ValueError, r"numeric_grad\(eps\): must be a positive number, got 0\.0"),
        (lambda: gradcheck(lambda x: x, [1.0], rtol=-1.0), ValueError, r"gradcheck\(rtol\): a tolerance cannot be negative"),
        (lambda: gradcheck(lambda x: x, [1.0], atol=NAN), ValueError, r"gradcheck\(atol\): got NaN"),
    ])
    def test_bad_arguments_are_named(self, call, error, pattern):
        with pytest.raises(error, match=pattern):
            call()

    def test_recompute_refuses_a_new_value_that_is_not_finite(self):
        x = Value(1.0)
        with pytest.raises(ValueError, match=r"recompute\(\): the new value of .*: got inf"):
            recompute(x * 2, {x: INF})

    def test_recompute_refuses_a_result_that_overflows(self):
        x = Value(1.0)
        with pytest.raises(OverflowError, match=r"recompute: .* overflows a float"):
            recompute(x * 1e300, {x: 1e10})


# == a graph lost without a word ======================================================
class TestNoSilentLossOfTheGraph:
    def test_float_of_a_value_says_how_to_stay_in_the_graph(self):
        with pytest.raises(TypeError, match=r"float\(\) of Value\(data=2\.0.*x\.exp\(\).*x\.data or x\.item\(\)"):
            float(Value(2.0))

    def test_math_exp_of_a_value_raises_instead_of_dropping_the_gradient(self):
        # x * math.exp(x) used to give d/dx = e^x (the exp a constant) instead of 2 e^x
        x = Value(0.0)
        with pytest.raises(TypeError, match=r"math\.exp\(x\) does this"):
            x * math.exp(x)
        y = x * x.exp()
        y.backward()
        assert x.grad == 1.0  # (1 + x) e^x at 0, through the graph

    def test_a_value_has_no_truth_value(self):
        with pytest.raises(TypeError, match=r"bool\(\) of Value\(data=0\.0.*`if x\.data > 0:` or `if x > 0:`"):
            if Value(0.0):
                pass
        with pytest.raises(TypeError, match="no truth value"):
            not Value(1.0)  # noqa: B015

    def test_comparisons_keep_working_on_data(self):
        small, big = Value(-1.0), Value(2.0)
        assert (big > 0) is True and (small < 0) is True and small <= big
        assert max([small, big]) is big and sorted([big, small]) == [small, big]
        assert big.item() == 2.0


# == stale or malformed graphs ======================================================
class TestStaleGraphs:
    def test_a_leaf_changed_after_the_graph_was_built_is_refused_by_check(self):
        x = Value(2.0, label="x")
        y = x * x
        x.data = 3.0
        with pytest.raises(GraphError, match=r"backward\(check=True\): Value\(data=4\.0, op='\*'\) is "
                                             r"stale: .* its data would now be 9\.0, not 4\.0.*"
                                             r"label='x'.*run the forward pass again") as info:
            y.backward(check=True)
        assert info.value.node is y
        assert x.grad == 0.0 and y.grad == 0.0  # nothing was computed

    def test_the_check_runs_in_grad_and_on_its_own(self):
        x = Value(2.0)
        y = (x * 3.0).tanh()
        x.data = 2.5
        with pytest.raises(GraphError, match=r"grad\(check=True\): .* is stale"):
            grad(y, [x], check=True)
        with pytest.raises(GraphError, match=r"verify_graph\(\): .* is stale"):
            verify_graph(y)
        with pytest.raises(GraphError, match=r"backward\(check=True\)"):
            autograd.backward(y, check=True)

    def test_a_change_that_only_shows_in_a_local_derivative_is_caught(self):
        # z = x * y with y = 0: z stays 0 when x changes, but dz/dy = x does not
        x, y = Value(1.0), Value(0.0)
        z = x * y
        x.data = 5.0
        with pytest.raises(GraphError, match=r"its local_grads would now be \(0\.0, 5\.0\), not \(0\.0, 1\.0\)"):
            verify_graph(z)

    def test_an_optimizer_step_without_a_new_forward_pass_is_caught(self):
        w = Value(0.5)
        loss = (w * 3.0 - 1.0) ** 2
        loss.backward(check=True)
        w.data -= 0.1 * w.grad  # a step, but the loss is not computed again
        w.grad = 0.0
        with pytest.raises(GraphError, match="stale"):
            loss.backward(check=True)

    def test_a_fresh_graph_passes_and_gives_the_same_gradients(self):
        x, w = Value(0.3), [Value(0.1 * i) for i in range(4)]
        def build():
            h = autograd.linear(w, [x] * 4, 0.5).tanh()
            return autograd.sum([h * h, autograd.max([h, x]), (x ** 3).exp().log()]) / 2.0
        checked, plain = build(), build()
        assert verify_graph(checked)[-1] is checked
        checked.backward(check=True)
        expected = [v.grad for v in (x, *w)]
        for v in (x, *w):
            v.grad = 0.0
        plain.backward()
        assert [v.grad for v in (x, *w)] == expected

    def test_setting_data_to_the_number_it_had_is_not_stale(self):
        x = Value(2.0)
        y = x * x
        x.data = 2.0
        y.backward(check=True)
        assert x.grad == 4.0

    def test_a_node_made_by_hand_is_refused_once_its_parent_changed(self):
        x = Value(3.0)
        y = Value(9.0, (x,), (6.0,), op="square")  # no table rule: verify_graph cannot recompute it
        y.backward(check=True)
        x.data = 4.0
        with pytest.raises(GraphError, match=r"Value\(data=9\.0, op='square'\) was computed from an "
                                             r"earlier number of its parent Value\(data=4\.0\)"):
            y.backward()
        assert x.grad == 6.0  # the first pass's gradient, left as it was


class TestChangesByHandAreCaughtBeforeBackwardComputes:
    """No check=True needed: a change made by hand is caught where it is made or before the walk."""

    def test_a_leaf_changed_after_the_graph_was_built_is_refused(self):
        x, w = Value(2.0, label="x"), Value(5.0, label="w")
        y = x * w
        y.backward()
        x.data = 3.0
        with pytest.raises(GraphError, match=r"^backward\(\): Value\(data=10\.0, op='\*'\) was computed "
                                             r"from an earlier number of its parent Value\(data=3\.0, "
                                             r"label='x'\).*run the forward pass again") as info:
            y.backward()
        assert info.value.node is y
        assert (x.grad, w.grad) == (5.0, 2.0)  # the earlier gradients are kept, nothing added
        with pytest.raises(GraphError, match=r"^grad\(\): .* earlier number"):
            grad(y, [x])

    def test_the_graph_built_again_from_the_new_number_works(self):
        x = Value(2.0)
        y = x * x
        x.data = 3.0
        y = x * x
        y.backward()
        assert x.grad == 6.0

    def test_an_interior_value_changed_by_hand_names_the_node_made_from_it(self):
        x = Value(1.0)
        h = x * 2.0
        y = h + 1.0
        h.data = 10.0
        with pytest.raises(GraphError) as info:
            y.backward()
        assert info.value.node is y
        with pytest.raises(GraphError) as info:
            verify_graph(y)   # which recomputes: h itself no longer equals x * 2
        assert info.value.node is h

    def test_a_step_without_computing_the_loss_again_is_refused(self):
        from nn.optim import SGD
        w = Value(0.5)
        loss = (w * 3.0 - 1.0) ** 2  # computed once, outside the loop: the classic mistake
        optimizer = SGD([w], lr=0.1)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        with pytest.raises(GraphError, match=r"after an optimizer's step\(\) this means computing "
                                             r"the loss again"):
            loss.backward()
        loss = (w * 3.0 - 1.0) ** 2
        loss.backward()
        assert w.grad == pytest.approx(6 * (w.data * 3 - 1))

    def test_nodes_made_before_a_change_of_another_value_are_not_refused(self):
        a, b, w = Value(2.0), Value(3.0), Value(0.5)
        feature = a * b        # built once, before any change
        w.data = 0.25          # a change, but not of a Value the feature was made from
        loss = feature * w
        loss.backward()
        assert (a.grad, b.grad, w.grad) == (0.75, 0.5, 6.0)

    def test_a_change_in_another_thread_does_not_refuse_this_threads_graph(self):
        x = Value(2.0)
        y = x * x
        other = Value(1.0)
        thread = threading.Thread(target=lambda: setattr(other, "data", 7.0))
        thread.start(); thread.join()
        y.backward()
        assert x.grad == 4.0 and other.data == 7.0

    def test_the_same_number_again_is_not_a_change(self):
        x = Value(2.0)
        y = x * x
        x.data = 2.0
        y.backward()
        assert x.grad == 4.0

    @pytest.mark.parametrize("number, pattern", [
        (INF, r"setting \.data of Value\(data=1\.0, grad=0\.0, label='w'\): got inf, which is not a finite number"),
        (NAN, r"setting \.data of Value\(data=1\.0, grad=0\.0, label='w'\): got NaN"),
        ("2", r"setting \.data of .*expected a real number, got the string '2'"),
        (10 ** 400, r"setting \.data of .* an int of about 10\*\*400 is too large"),
    ])
    def test_a_number_that_is_not_finite_is_refused_where_it_is_written(self, number, pattern):
        w = Value(1.0, label="w")
        with pytest.raises((ValueError, TypeError, OverflowError), match=pattern):
            w.data = number
        assert w.data == 1.0

    def test_a_cycle_is_refused_where_it_is_made(self):
        a = Value(1.0, label="a")
        b = a * 2.0
        c = b + 1.0
        with pytest.raises(GraphError, match=r"setting \.parents of Value\(data=2\.0, grad=0\.0, op='\*'\): "
                                             r"it would depend on itself") as info:
            b.parents = (c, b.parents[1])
        assert info.value.node is b and b.parents[0] is a  # left as it was
        c.backward()
        assert a.grad == 2.0

    def test_a_node_cannot_be_its_own_parent(self):
        a = Value(1.0)
        with pytest.raises(GraphError, match="depend on itself"):
            a.parents = (a,)
        assert a.parents == ()

    def test_parents_and_local_grads_left_different_lengths_are_refused_before_the_walk(self):
        x, w = Value(2.0), Value(3.0)
        y = x * w
        y.local_grads = (3.0,)  # zip would pair it with x and drop w silently
        with pytest.raises(GraphError, match=r"^backward\(\): Value\(data=6\.0, op='\*'\) has 2 parents "
                                             r"but 1 local_grads"):
            y.backward()
        assert x.grad == w.grad == 0.0
        y.local_grads = (3.0, 2.0)  # mended
        y.backward()
        assert (x.grad, w.grad) == (3.0, 2.0)

    def test_a_node_defined_by_hand_in_two_assignments_works(self):
        x, y = Value(2.0), Value(3.0)
        z = Value(6.0)
        z.parents = (x, y)        # lengths differ for a moment
        z.local_grads = (3.0, 2.0)
        z.backward()
        assert (x.grad, y.grad) == (3.0, 2.0)

    @pytest.mark.parametrize("assign, error, pattern", [
        (lambda y: setattr(y, "parents", (y.parents[0], 2.0)), TypeError,
         r"setting \.parents of .*every parent must be a Value, got float 2\.0"),
        (lambda y: setattr(y, "parents", 5), TypeError, r"setting \.parents of .*expected a tuple of Values, got int 5"),
        (lambda y: setattr(y, "local_grads", ("a", 1.0)), TypeError,
         r"setting \.local_grads of .*got the string 'a'"),
        (lambda y: setattr(y, "local_grads", (INF, 1.0)), ValueError, r"setting \.local_grads of .*got inf"),
    ])
    def test_a_broken_assignment_is_refused_and_changes_nothing(self, assign, error, pattern):
        x, w = Value(2.0), Value(3.0)
        y = x * w
        with pytest.raises(error, match=pattern):
            assign(y)
        assert y.parents == (x, w) and y.local_grads == (3.0, 2.0)


class TestMalformedGraphs:
    """Graphs broken beneath the checks of assignment (writing the slots themselves)."""

    def test_a_cycle_made_through_parents_is_refused_by_check(self):
        a = Value(1.0, label="a")
        b = a * 2.0
        c = b + 1.0
        b._parents = (c, b.parents[1])  # b now depends on c, which depends on b
        with pytest.raises(GraphError, match=r"backward\(check=True\): Value\(data=3\.0, op='\+'\) "
                                             r"depends on itself: .* \(through Value\(data=2\.0, op='\*'\)\)") as info:
            c.backward(check=True)
        assert info.value.node is c
        assert a.grad == 0.0

    def test_a_node_that_is_its_own_parent_is_a_cycle(self):
        a = Value(1.0)
        a._parents, a._local_grads = (a,), (1.0,)
        with pytest.raises(GraphError, match="depends on itself"):
            verify_graph(a)

    def test_fewer_local_grads_than_parents_is_refused_by_check(self):
        x, w = Value(2.0), Value(3.0)
        y = x * w
        y._local_grads = (3.0,)
        with pytest.raises(GraphError, match=r"Value\(data=6\.0, op='\*'\) has 2 parents but 1 "
                                             r"local_grads"):
            y.backward(check=True)
        assert x.grad == w.grad == 0.0

    @pytest.mark.parametrize("break_it, pattern", [
        (lambda y: setattr(y, "_parents", (y.parents[0], 2.0)), r"has a parent that is not a Value: float 2\.0"),
        (lambda y: setattr(y, "_parents", 5), r"must be tuples, got int and tuple"),
        (lambda y: setattr(y, "_local_grads", ("a", 1.0)), r"local_grads\[0\] of .* is 'a', not a finite number"),
        (lambda y: setattr(y, "_local_grads", (INF, 1.0)), r"local_grads\[0\] of .* is inf, not a finite number"),
        (lambda y: setattr(y.parents[0], "grad", INF), r"the grad of the leaf .* is inf, not a finite number"),
    ])
    def test_a_graph_broken_by_hand_is_named_even_without_check(self, break_it, pattern):
        x, w = Value(2.0), Value(3.0)
        y = x * w
        break_it(y)
        grad_before = x.grad
        with pytest.raises(GraphError, match=r"backward\(\): .*" + pattern):
            y.backward()
        assert x.grad == grad_before and w.grad == 0.0  # left as they were
        with pytest.raises(GraphError, match=pattern):
            verify_graph(y)

    def test_a_non_value_parent_is_named_by_topological_order_and_grad(self):
        x = Value(2.0)
        y = x * 3.0
        y._parents = (x, "three")
        with pytest.raises(GraphError, match=r"topological_order\(\): .* not a Value: str 'three'"):
            autograd.topological_order(y)
        with pytest.raises(GraphError, match=r"not a Value: str 'three'"):
            grad(y, [x])


class TestWhatHeldStillHolds:
    def test_a_deep_graph_is_checked_without_recursion(self):
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(1000)
        try:
            x = Value(0.5)
            v = x
            for _ in range(5_000):
                v = v * 1.0001 + 1e-6
            assert len(verify_graph(v)) == 4 * 5_000 + 1
            v.backward(check=True)
        finally:
            sys.setrecursionlimit(previous)
        assert x.grad == pytest.approx(1.0001 ** 5_000)

    def test_a_failed_backward_leaves_no_reference_cycle_behind(self):
        def fail_and_drop():
            x = Value(2.0)
            y = x * x
            x.data = 3.0
            try:
                y.backward(check=True)
            except GraphError:
                pass
            w = Value(1e-300)
            try:
                (w * 1e200 * 1e200).backward()
            except OverflowError:
                pass

        fail_and_drop()
        gc.collect()
        gc.disable()
        try:
            fail_and_drop()
            found = gc.collect()
        finally:
            gc.enable()
        assert found == 0


# == threads ==========================================================================
class TestThreads:
    def test_each_thread_reads_the_record_of_its_own_backward(self):
        mine_done, other_done = threading.Event(), threading.Event()
        seen = {}

        def other():
            mine_done.wait(10)
            y_other = Value(1.0) * 3
            y_other.backward()
            seen["other"] = last_backward().root is y_other
            other_done.set()

        thread = threading.Thread(target=other)
        thread.start()
        y = Value(2.0) * 2
        y.backward()
        mine_done.set()
        other_done.wait(10)  # the other thread's backward ran after this one's
        thread.join(10)
        assert seen == {"other": True}
        assert last_backward().root is y

    def test_a_backward_started_in_the_middle_of_another_one_waits_its_turn(self):
        """Two passes through one shared leaf: the second starts while the first is
        half-way through adding to the leaf's grad, and both still count."""
        other_done = threading.Event()

        class PausingLeaf(Value):
            """A leaf that, once, lets another thread run just before its grad is written."""

            __slots__ = ("_grad", "pause")

            @property
            def grad(self):
                return self._grad

            @grad.setter
            def grad(self, value):
                pause = getattr(self, "pause", None)
                if pause is not None:
                    self.pause = None
                    pause()
                self._grad = value

        w = PausingLeaf(1.0)

        def run_another_backward():
            thread = threading.Thread(target=lambda: ((w * 7.0).backward(), other_done.set()))
            thread.start()
            # The other pass cannot start while this one runs, so this wait only ends
            # early if it did (and then its 7 would be overwritten just below).
            other_done.wait(0.2)
            threads.append(thread)

        threads = []
        w.pause = run_another_backward
        (w * 2.0 + w * 3.0).backward()  # pauses at its first write to w.grad
        for thread in threads:
            thread.join(10)
        assert w.grad == 2.0 + 3.0 + 7.0


# == the step-by-step walk keeps backward()'s promises ================================
class TestBackwardStepsKeepsBackwardsPromises:
    def test_an_overflowing_gradient_is_named_and_changes_no_grad(self):
        w = Value(1e-300, label="w")
        loss = w * 1e200 * 1e200 * 1e200  # finite (1e300), but d(loss)/dw is 1e600
        w.grad = 0.5
        with pytest.raises(OverflowError, match=r"^backward_steps\(\): the gradient of .* overflows a float"):
            autograd.backward_steps(loss)
        assert w.grad == 0.5 and loss.grad == 0.0

    def test_a_changed_leaf_is_refused_before_any_step(self):
        x = Value(2.0)
        y = x * x
        x.data = 3.0
        with pytest.raises(GraphError, match=r"^backward_steps\(\): .* earlier number"):
            autograd.backward_steps(y)
        assert x.grad == 0.0

    def test_it_takes_turns_with_backward_in_other_threads(self):
        # One leaf shared by two threads' graphs.  backward() in one thread saves the leaf's
        # grad, zeroes it, adds and puts it back; the steps in the other must never see that
        # half-done: d(2 s^2)/ds = 4 s = 6 in every recorded step.
        shared = Value(1.5)
        recorded, errors = [], []

        def stepper():
            try:
                for _ in range(1000):
                    last = autograd.backward_steps(shared * shared * 2.0).steps[-1]
                    recorded.append(last.contributions[-1].parent_grad)
            except Exception as error:  # reported by the assert below
                errors.append(error)

        def backprop():
            try:
                for _ in range(1000):
                    (shared * 3.0).backward()
            except Exception as error:
                errors.append(error)

        previous = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as CPython can, to interleave
        try:
            threads = [threading.Thread(target=stepper), threading.Thread(target=backprop)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(previous)
        assert not errors
        assert recorded == [6.0] * 1000


# == a Value used where Python wants another kind of number ============================
class TestAValueUsedAsAnotherKindOfNumber:
    def test_format_gives_the_number_as_a_float_would(self):
        x = Value(2.0 / 3, label="x")
        assert f"{x:.3f}" == "0.667" and "{:>6.2f}".format(x) == "  0.67"
        assert f"{x}" == repr(x)

    @pytest.mark.parametrize("use, pattern", [
        (int, r"^int\(\) of Value\(data=2\.5.*write int\(x\.data\)"),
        (round, r"^round\(\) of Value\(data=2\.5.*round\(x\.data\)"),
        (math.trunc, r"^math\.trunc\(\) of Value"), (math.floor, r"^math\.floor\(\) of Value"),
        (math.ceil, r"^math\.ceil\(\) of Value"),
        (lambda v: range(v), r"^use as an index .* of Value\(data=2\.5"),
        (lambda v: [1, 2, 3][v], r"^use as an index"),
        (lambda v: v % 2, r"^% with Value\(data=2\.5.* and 2: chainrule has no %"),
        (lambda v: 7 // v, r"^// with Value"), (lambda v: divmod(v, 2), r"^divmod\(\) with Value"),
        (lambda v: v < "a", r"^Value\(data=2\.5.*\) < str 'a': a Value compares with numbers"),
        (lambda v: v >= None, r"^Value\(data=2\.5.*\) >= NoneType None"),
        (lambda v: np.round(v), r"np\.round\(\) / np\.rint\(\) of Value"),
    ])
    def test_ways_of_leaving_the_graph_say_what_to_write(self, use, pattern):
        with pytest.raises(TypeError, match=pattern):
            use(Value(2.5))

    def test_ordering_still_compares_data(self):
        a, b = Value(1.0), Value(3.0)
        assert a < 2 and b >= a and max([a, b]) is b and sorted([b, a]) == [a, b]

    @pytest.mark.parametrize("name", ["arctan", "arcsin", "arccos", "log10", "log2", "exp2"])
    def test_numpys_names_stay_in_the_graph(self, name):
        x = Value(0.5)
        y = getattr(np, name)(x)
        assert y.data == pytest.approx(getattr(np, name)(0.5), rel=1e-15)
        slope = (getattr(np, name)(0.5 + 1e-6) - getattr(np, name)(0.5 - 1e-6)) / 2e-6
        assert grad(y, [x])[0] == pytest.approx(slope, rel=1e-6)

    def test_np_std_of_values_is_a_value_in_the_graph(self):
        a, b = Value(0.5), Value(1.5)
        s = np.std([a, b])
        s.backward()
        assert s.data == 0.5 and (a.grad, b.grad) == (-0.5, 0.5)

    @pytest.mark.parametrize("make, pattern", [
        (lambda x: Value(4.0, x, 4.0), r"Value\(parents=\.\.\.\): expected a tuple of Values, got Value"),
        (lambda x: Value(4.0, (x,), 4.0), r"Value\(local_grads=\.\.\.\): expected a tuple of numbers.*got float 4\.0"),
        (lambda x: Value(4.0, "ab", ()), r"Value\(parents=\.\.\.\): expected a tuple of Values, got str 'ab'"),
    ])
    def test_a_hand_made_node_with_a_single_parent_not_in_a_tuple_is_named(self, make, pattern):
        with pytest.raises(TypeError, match=pattern):
            make(Value(2.0))

    @pytest.mark.parametrize("call, pattern", [
        (lambda: autograd.sum(5), r"^sum\(\): expected a list of Values or numbers, got int 5"),
        (lambda: autograd.sum(None), r"^sum\(\): expected a list .* got NoneType None"),
        (lambda: autograd.max(5), r"^max\(\): expected a list .* got int 5"),
        (lambda: autograd.linear(None, None), r"^linear\(\) weights: expected a list .* got NoneType"),
        (lambda: autograd.linear([Value(1.0)], 3.0), r"^linear\(\) inputs: expected a list .* got float 3\.0"),
    ])
    def test_nary_nodes_name_a_wrong_kind_of_argument(self, call, pattern):
        with pytest.raises(TypeError, match=pattern):
            call()

    def test_nary_nodes_take_any_iterable(self):
        assert autograd.sum(np.array([1.0, 2.0])).data == 3.0
        assert autograd.sum(v for v in [Value(1.0), 2.0]).data == 3.0

    @pytest.mark.parametrize("call, pattern", [
        (lambda y, x: y.backward(check="yes"), r"^backward\(check=\.\.\.\): expected True or False, got str 'yes'"),
        (lambda y, x: grad(y, [x], create_graph="no"), r"^grad\(create_graph=\.\.\.\): expected True or False"),
        (lambda y, x: grad(y, [x], check=1), r"^grad\(check=\.\.\.\): expected True or False, got int 1"),
    ])
    def test_a_flag_that_is_not_true_or_false_is_refused(self, call, pattern):
        x = Value(2.0)
        with pytest.raises(TypeError, match=pattern):
            call(x * x, x)


class TestViewsOfABrokenOrHugeGraph:
    @pytest.mark.parametrize("view, where", [
        (lambda y, x: autograd.draw_graph(y), "draw_graph"), (lambda y, x: autograd.explain(x, root=y), "explain"),
        (lambda y, x: autograd.backward_steps(y), "backward_steps"),
        (lambda y, x: autograd.backward_frames(y), "backward_steps"),
    ])
    def test_parents_and_local_grads_of_different_lengths_are_refused_by_every_view(self, view, where):
        x, w = Value(2.0), Value(3.0)
        y = x * w
        y.local_grads = (3.0,)
        with pytest.raises(GraphError, match=rf"^{where}\(\): Value\(data=6\.0, op='\*'\) has 2 parents but 1"):
            view(y, x)

    @pytest.mark.parametrize("view, where", [
        (lambda y, x: autograd.draw_graph(y), "draw_graph"), (lambda y, x: autograd.explain(x, root=y), "explain"),
        (lambda y, x: autograd.backward_steps(y), "backward_steps"),
    ])
    def test_a_graph_too_big_to_show_is_refused_at_once_naming_its_size(self, view, where):
        from autograd.notation import MAX_VIEW
        x = Value(0.5)
        y = autograd.sum([x * float(k) for k in range(MAX_VIEW // 2)])  # a constant and a product each
        y.backward()
        with pytest.raises(ValueError, match=rf"^{where}: the graph has 100,002 Values, more than "
                                             r"the 100,000 .* one sample instead of a batch"):
            view(y, x)

    def test_check_graph_still_takes_a_big_graph(self):
        from autograd.notation import MAX_VIEW
        x = Value(0.5, label="x")
        y = x
        for _ in range(MAX_VIEW // 2 + 1):  # a constant and a product each: past MAX_VIEW
            y = y * 1.00001
        y.backward()
        assert autograd.check_graph(y).ok


@pytest.mark.parametrize("power, pattern", [
    (lambda: 2 ** Value(1e308), r"^power 2 \*\* Value\(data=1e\+308.*overflows a float"),
    (lambda: Value(10.0) ** Value(400.0), r"^power Value\(data=10\.0.*\) \*\* Value\(data=400\.0.*overflows"),
])
def test_a_power_with_a_value_exponent_names_what_the_learner_wrote(power, pattern):
    with pytest.raises(OverflowError, match=pattern):
        power()


def test_gradcheck_of_something_that_is_not_a_function_is_named():
    for check in (gradcheck, autograd.gradgradcheck, numeric_grad):
        with pytest.raises(TypeError, match=r"fn must be a function of the inputs .* got str 'f'"):
            check("f", [1.0])


def test_a_matrix_product_of_values_says_what_to_write():
    with pytest.raises(TypeError, match=r"^@ with Value\(data=1\.0.*no matrix product.*autograd\.linear"):
        Value(1.0) @ Value(2.0)
