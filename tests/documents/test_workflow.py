import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from documents import incoming_workflow, workflow
from documents.models import IncomingEvent, Outgoing, OutgoingEvent
from documents.services import incoming as incoming_services
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import make_draft, pdf_upload, to_agency

S = Outgoing.Status


@pytest.mark.django_db
def test_draft_submit_return_edit_resubmit_approve_keeps_every_step(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing, comment="Kính trình lãnh đạo")
    services.outgoing_return(membership=leader, outgoing=outgoing, comment="Sửa lại trích yếu")
    outgoing.refresh_from_db()
    assert outgoing.status == S.RETURNED
    services.outgoing_update(membership=specialist, outgoing=outgoing, summary="V/v triển khai Chỉ thị 34 (sửa)")
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    factories.approve(leader, outgoing, comment="Đồng ý")
    outgoing.refresh_from_db()
    assert outgoing.status == S.APPROVED
    steps = list(outgoing.events.values_list("action", "actor", "comment"))
    assert steps == [
        ("create", specialist.user.pk, ""), ("submit", specialist.user.pk, "Kính trình lãnh đạo"),
        ("return", leader.user.pk, "Sửa lại trích yếu"), ("edit", specialist.user.pk, ""),
        ("submit", specialist.user.pk, ""), ("approve", leader.user.pk, "Đồng ý"),
    ]


@pytest.mark.django_db
def test_a_submitted_draft_cannot_be_edited(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    with pytest.raises(PermissionDenied):
        services.outgoing_update(membership=specialist, outgoing=outgoing, summary="khác")
    with pytest.raises(PermissionDenied):
        services.recipient_add(membership=specialist, outgoing=outgoing, **to_agency(other_agency))


@pytest.mark.django_db
def test_only_the_named_signer_can_approve(specialist, leader, agency, unit, other_agency):
    other_leader = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    with pytest.raises(PermissionDenied):
        services.outgoing_approve(membership=other_leader, outgoing=outgoing)
    with pytest.raises(PermissionDenied):
        services.outgoing_return(membership=other_leader, outgoing=outgoing, comment="không")


@pytest.mark.django_db
def test_returning_needs_a_comment(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    with pytest.raises(ValidationError):
        services.outgoing_return(membership=leader, outgoing=outgoing, comment="  ")


@pytest.mark.django_db
def test_only_a_clerk_of_the_agency_can_issue(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    factories.approve(leader, outgoing)
    other_clerk = factories.make_member(other_agency, "clerk")
    for member in (specialist, leader, other_clerk):
        with pytest.raises(PermissionDenied):
            services.outgoing_issue(membership=member, outgoing=outgoing)


@pytest.mark.django_db
def test_a_draft_cannot_be_issued_before_approval(specialist, leader, clerk, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    with pytest.raises(ValidationError):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)


@pytest.mark.django_db
def test_a_draft_without_recipients_cannot_be_submitted(specialist, leader):
    outgoing = make_draft(specialist, leader)
    with pytest.raises(ValidationError, match="nơi nhận"):
        services.outgoing_submit(membership=specialist, outgoing=outgoing)


@pytest.mark.django_db
def test_the_signer_must_be_a_leader_of_the_agency(specialist, unit, other_agency):
    foreign_leader = factories.make_member(other_agency, "leader")
    with pytest.raises(ValidationError):
        services.outgoing_create(membership=specialist, main_file=pdf_upload(), doc_type="CV", summary="x",
                                 drafting_unit=unit, signer=foreign_leader)
    with pytest.raises(ValidationError):
        services.outgoing_create(membership=specialist, main_file=pdf_upload(), doc_type="CV", summary="x",
                                 drafting_unit=unit, signer=specialist)


def test_every_transition_is_an_event_kind_with_one_label():
    for name, transition in workflow.TRANSITIONS.items():
        assert transition.label == OutgoingEvent.Action(name).label
    for action in incoming_workflow.TRANSITIONS:
        assert incoming_workflow.LABELS[action] == IncomingEvent.Action(action).label
    # A recall's request and answer are events of documents.services.revisions that move no state.
    assert set(IncomingEvent.Action) - set(incoming_workflow.TRANSITIONS) == {
        IncomingEvent.Action.ARRIVE, IncomingEvent.Action.REVISION, IncomingEvent.Action.REVISION_ANSWER}
    line_moves = {move.event for move in workflow.LINE_MOVES.values()}
    assert set(OutgoingEvent.Action) - set(workflow.TRANSITIONS) - line_moves == {
        OutgoingEvent.Action.CREATE, OutgoingEvent.Action.EDIT, OutgoingEvent.Action.REVISION_REQUEST,
        OutgoingEvent.Action.REVISION_AGREE, OutgoingEvent.Action.REVISION_DECLINE}


def test_the_history_names_each_event_by_its_label(clerk, other_agency, client_for):
    paper = incoming_services.incoming_from_paper(membership=clerk, scans=[pdf_upload("scan.pdf")],
                                                  sender_name="Sở Nội vụ", notation="12/SNV-TCBC",
                                                  summary="V/v tuyển dụng", doc_type="CV")
    page = client_for(clerk).get(f"/incoming/{paper.pk}/").content.decode()
    assert "Văn bản đến: Bản giấy" in page and "Vào sổ văn bản đến: Số đến 1" in page
    outsider = factories.make_member(other_agency, "clerk")
    assert client_for(outsider).get(f"/incoming/{paper.pk}/").status_code == 404  # another agency's history
