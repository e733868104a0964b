//! A topological order that moves as little as it can: of the items free to go next, the one
//! that came first goes first, so an order that already holds comes out unchanged. (petgraph's
//! `toposort` follows its own depth-first traversal, which would move operations that need no
//! moving.)

use std::collections::BTreeSet;

/// The indexes `0..after.len()` in an order where each comes after every index in its
/// `after` set, taking the lowest index that is free at each step (so an order that already
/// holds is kept); or the indexes of a loop when there is none.
pub fn stable_topological_order(after: &[BTreeSet<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let mut waiting_on: Vec<usize> = after.iter().map(BTreeSet::len).collect();
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); after.len()];
    for (index, firsts) in after.iter().enumerate() {
        for &first in firsts {
            before[first].push(index);
        }
    }
    let mut free: BTreeSet<usize> = (0..after.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut order = Vec::with_capacity(after.len());
    while let Some(index) = free.pop_first() {
        order.push(index);
        for &next in &before[index] {
            waiting_on[next] -= 1;
            if waiting_on[next] == 0 {
                free.insert(next);
            }
        }
    }
    if order.len() == after.len() {
        return Ok(order);
    }
    // Every index left waits on another left: walk back from one until an index repeats.
    let mut path: Vec<usize> = Vec::new();
    let mut next = (0..after.len()).find(|&i| waiting_on[i] > 0);
    while let Some(index) = next {
        if let Some(start) = path.iter().position(|&i| i == index) {
            // Walked backwards: reversed, each needs the one before it.
            let mut cycle = path.split_off(start);
            cycle.reverse();
            cycle.extend(cycle.first().copied());
            return Err(cycle);
        }
        path.push(index);
        next = after[index]
            .iter()
            .copied()
            .find(|&first| waiting_on[first] > 0);
    }
    Err(path)
}

#[cfg(test)]
mod tests {
    use super::stable_topological_order;
    use std::collections::BTreeSet;

    fn after(edges: &[(usize, usize)], count: usize) -> Vec<BTreeSet<usize>> {
        let mut after = vec![BTreeSet::new(); count];
        for &(first, then) in edges {
            after[then].insert(first);
        }
        after
    }

    #[test]
    fn an_order_that_holds_is_kept() {
        let order = stable_topological_order(&after(&[(0, 2), (1, 3)], 4));
        assert_eq!(order, Ok(vec![0, 1, 2, 3]));
    }

    #[test]
    fn only_what_must_move_moves() {
        // 0 needs 2: it waits for it, and 1 and 2 keep their order.
        let order = stable_topological_order(&after(&[(2, 0), (0, 3)], 4));
        assert_eq!(order, Ok(vec![1, 2, 0, 3]));
    }

    #[test]
    fn a_loop_is_named_in_order() {
        let order = stable_topological_order(&after(&[(1, 2), (2, 3), (3, 1)], 4));
        let cycle = order.expect_err("a loop");
        assert_eq!(cycle.len(), 4);
        assert_eq!(cycle.first(), cycle.last());
    }
}
