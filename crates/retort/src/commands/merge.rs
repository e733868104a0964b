//! `retort merge -m MSG REVS...`: a revision whose parents are the given revisions.

use retort_core::revision::new_revision::NewRevisionRequest;

use crate::args::MergeArgs;
use crate::diagnostics::{CliError, ExitCode};
use crate::settings::GlobalSettings;

pub fn run(settings: &GlobalSettings, args: &MergeArgs) -> Result<ExitCode, CliError> {
    let (config, graph) = settings.config_and_graph()?;
    let request = NewRevisionRequest {
        message: args.message.clone(),
        heads: args.revisions.clone(),
        splice: args.splice,
        branch_labels: args.branch_label.clone(),
        revision_id: args.rev_id.clone(),
        extra: settings.extra.clone(),
        ..NewRevisionRequest::default()
    };
    super::revision::create(settings, &config, &graph, &request)
}
